namespace Cam.Scheduler.Validation;

/// <summary>A job that cannot be accepted; the message starts with the field at fault (<c>classes: …</c>).</summary>
public sealed class JobValidationException(string field, string problem) : Exception($"{field}: {problem}")
{
    public string Field { get; } = field;
}
