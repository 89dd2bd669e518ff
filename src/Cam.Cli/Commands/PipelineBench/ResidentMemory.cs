namespace Cam.Cli.Commands.PipelineBench;

/// <summary>A process's peak resident set (VmHWM in /proc/PID/status, Linux), in bytes; null where it cannot be read.</summary>
public static class ResidentMemory
{
    public static long? PeakBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var kilobytes = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes) * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
