using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Chunking;

/// <summary>How many bytes the masked forwards may use: on CUDA a share of the device's free memory, on CPU a configured amount.</summary>
public sealed class MemoryBudget(long cpuBytes = MemoryBudget.DefaultCpuBytes, double cudaFreeShare = 0.8)
{
    public const long DefaultCpuBytes = 256L * 1024 * 1024;

    public long CpuBytes { get; } = cpuBytes > 0 ? cpuBytes : throw new ArgumentException("the CPU memory budget must be positive");
    public double CudaFreeShare { get; } = cudaFreeShare is > 0 and <= 1 ? cudaFreeShare : throw new ArgumentException("the CUDA share must be in (0, 1]");

    public long AvailableBytes(Device device)
    {
        if (device.type != DeviceType.CUDA) return CpuBytes;
        var free = CudaRuntime.FreeBytes(device.index < 0 ? 0 : device.index)
                   ?? throw new InvalidOperationException("cannot query the CUDA runtime for free memory (libcudart not found); fix the chunk size instead");
        return (long)(free * CudaFreeShare);
    }
}

/// <summary>Free device memory from the CUDA runtime (<c>cudaMemGetInfo</c>), loaded only on CUDA hosts.</summary>
internal static class CudaRuntime
{
    private delegate int MemGetInfo(out nuint free, out nuint total);
    private delegate int SetDevice(int device);

    private static readonly Lazy<(MemGetInfo, SetDevice)?> Api = new(Load);

    public static long? FreeBytes(int device)
    {
        if (Api.Value is not var (memGetInfo, setDevice)) return null;
        if (setDevice(device) != 0 || memGetInfo(out var free, out _) != 0) return null;
        return (long)free;
    }

    private static (MemGetInfo, SetDevice)? Load()
    {
        foreach (var name in new[] { "libcudart.so", "libcudart.so.12", "libcudart.so.11.0", "cudart64_12.dll" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(CudaRuntime).Assembly, null, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "cudaMemGetInfo", out var info) && NativeLibrary.TryGetExport(handle, "cudaSetDevice", out var set))
                return (Marshal.GetDelegateForFunctionPointer<MemGetInfo>(info), Marshal.GetDelegateForFunctionPointer<SetDevice>(set));
        }
        return null;
    }
}
