using System.Reflection;

namespace Cam.IntegrationTests;

/// <summary>Cam.Client has no project references, so it spells the job states itself; they must be the scheduler's.</summary>
public class ClientJobStatesTests
{
    [Fact]
    public void The_client_names_every_job_state_the_scheduler_stores_by_the_same_name_and_value()
    {
        Assert.Equal(Constants(typeof(Cam.Contracts.JobState)), Constants(typeof(Cam.Client.JobStates)));
    }

    [Fact]
    public void The_client_counts_as_final_exactly_the_states_the_scheduler_counts_as_final()
    {
        foreach (var (name, state) in Constants(typeof(Cam.Contracts.JobState)))
        {
            var view = new Cam.Client.JobView(Guid.Empty, state, 0, 0, 0, 0, 0, 0, 0, true, 0, null, DateTime.UnixEpoch, null, null);
            Assert.True(Cam.Contracts.JobState.IsFinal(state) == view.IsFinal, $"{name}: final {Cam.Contracts.JobState.IsFinal(state)}");
        }
    }

    private static SortedDictionary<string, string> Constants(Type type) => new(type
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!));
}
