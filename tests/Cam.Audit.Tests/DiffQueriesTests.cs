using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

public class DiffQueriesTests
{
    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Two_jobs_in_one_database_are_paired_by_item_and_their_changes_equal_an_independent_computation(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _services = services;
        var (jobA, rowsA) = await SliceQueriesTests.SeedAsync(services, seed: 11);
        var (jobB, rowsB) = await SliceQueriesTests.SeedAsync(services, seed: 12);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();

        var diff = await new DiffBuilder(db, db, Path.GetTempPath()).BuildAsync(jobA, jobB, DiffGate.Parse("probability:-0.01"));

        var a = rowsA.Where(r => r.ClassRank == 0).OrderBy(r => r.ItemNumber).ToList();
        var b = rowsB.Where(r => r.ClassRank == 0).OrderBy(r => r.ItemNumber).ToList();
        var method = Assert.Single(diff.Methods);
        Assert.Equal(80, method.PairedItems);
        var probability = method.Changes.Single(c => c.Metric == "probability");
        Assert.Equal(b.Average(r => (double)r.Probability) - a.Average(r => (double)r.Probability), probability.Delta, 5);
        var pointing = method.Changes.Single(c => c.Metric == "pointing_game");
        var both = a.Zip(b).Where(p => p.First.PointingHit is not null && p.Second.PointingHit is not null).ToList();
        Assert.Equal(both.Count, pointing.Pairs);
        Assert.Equal(both.Average(p => (p.Second.PointingHit == true ? 1.0 : 0) - (p.First.PointingHit == true ? 1.0 : 0)), pointing.Delta, 9);
        // Per class: the items' label, else the class A explained.
        foreach (var c in method.Classes)
            Assert.Equal(a.Count(r => (r.LabelClass ?? r.ClassIndex) == c.ClassIndex), c.Items);
        // 1 − Pearson of the two-cell maps [x, 1] and [y, 1]: 0 when x and y lie on the same side of 1, else 2.
        double Drift(ResultRow p, ResultRow q) => (p.MapValues()[0] - 1) * (q.MapValues()[0] - 1) > 0 ? 0 : 2;
        var drift = a.Zip(b).Average(p => Drift(p.First, p.Second));
        Assert.InRange(drift, 0.5, 1.5);
        Assert.Equal(drift, method.Drift!.Mean, 6);
        Assert.Equal(probability.Delta < -0.01, diff.GateFailures.Count > 0);
    }
}
