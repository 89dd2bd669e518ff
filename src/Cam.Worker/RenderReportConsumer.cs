using Cam.Audit;
using Cam.Contracts;
using Cam.Storage;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Cam.Worker;

/// <summary>Builds a job's audit from the database and answers its HTML report (the scheduler's <c>GET /api/jobs/{id}/report</c>).</summary>
public sealed class RenderReportConsumer(IDbContextFactory<CamDbContext> factory, WorkerSettings settings, ILogger<RenderReportConsumer> logger)
    : IConsumer<RenderReport>
{
    public async Task Consume(ConsumeContext<RenderReport> context)
    {
        var jobId = context.Message.JobId;
        ReportRendered answer;
        try
        {
            await using var db = await factory.CreateDbContextAsync(context.CancellationToken);
            var audit = await new AuditBuilder(db, new AuditOptions { DataRoot = settings.DataRoot, ModelRoot = settings.ModelRoot })
                .BuildAsync(jobId, ct: context.CancellationToken);
            answer = new ReportRendered { Html = HtmlReport.Render(audit) };
        }
        catch (ArgumentException e)
        {
            answer = new ReportRendered { Error = e.Message };
        }
        logger.LogInformation("report of job {Job}: {Outcome}", jobId, answer.Error ?? $"{answer.Html!.Length} characters");
        await context.RespondAsync(answer);
    }
}

/// <summary>The report queue: one report at a time per worker.</summary>
public sealed class RenderReportConsumerDefinition : ConsumerDefinition<RenderReportConsumer>
{
    public RenderReportConsumerDefinition()
    {
        EndpointName = RenderReportQueue.Name;
        ConcurrentMessageLimit = 1;
    }
}
