using System.Text;
using Cam.Scheduler.Api;
using Cam.Scheduler.Validation;
using Microsoft.AspNetCore.Http;

namespace Cam.Jobs.Tests;

public class JobSpecReaderTests
{
    private static Task<Cam.Specs.JobSpec> Read(string json)
    {
        var context = new DefaultHttpContext();
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        return JobSpecReader.ReadAsync(context.Request, CancellationToken.None);
    }

    [Fact]
    public async Task Unknown_keys_of_a_submitted_job_are_refused_in_one_error_naming_each_and_its_closest_key()
    {
        var error = await Assert.ThrowsAsync<JobValidationException>(() => Read(
            """{"dataset": "d", "model": "m", "clases": "top:2", "methods": [{"name": "scorecam", "numSample": 4}], "colour": 1}"""));
        Assert.Contains("unknown key 'clases' in the job (did you mean 'classes'?)", error.Message);
        Assert.Contains("unknown key 'numSample' in methods[0] (did you mean 'numSamples'?)", error.Message);
        Assert.Contains("unknown key 'colour' in the job", error.Message);
    }

    [Fact]
    public async Task A_job_with_known_keys_in_any_case_is_read()
    {
        var spec = await Read("""{"dataset": "d", "Model": "m", "classes": "top:2", "methods": [{"name": "gradcam"}]}""");
        Assert.Equal(("m", "top:2", "gradcam"), (spec.Model, spec.Classes, spec.Methods[0].Name));
    }
}
