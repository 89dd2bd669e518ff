using Cam.Engine.Chunking;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Cli.Commands;

internal static class TorchSetup
{
    public static void Apply(int? threads)
    {
        if (threads is { } t)
        {
            if (t < 1) throw new ArgumentException("--threads must be at least 1");
            torch.set_num_threads(t);
        }
    }

    public static Device ParseDevice(string text)
    {
        try
        {
            var device = new Device(text);
            if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
                throw new ArgumentException($"device '{text}' was asked for but CUDA is not available in this build or host");
            return device;
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            throw new ArgumentException($"unknown device '{text}' (cpu, cuda, cuda:N)");
        }
    }

    public static MemoryBudget Budget(int? megabytes) =>
        megabytes is { } mb ? new MemoryBudget(mb * 1024L * 1024L) : new MemoryBudget();
}
