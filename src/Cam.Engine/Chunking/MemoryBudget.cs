using System.Runtime.InteropServices;

namespace Cam.Engine.Chunking;

/// <summary>How many bytes the masked forwards may use: on CUDA a share of the device's free memory, on CPU a configured amount.</summary>
public sealed class MemoryBudget(long cpuBytes = MemoryBudget.DefaultCpuBytes, double cudaFreeShare = 0.8)
{
    public const long DefaultCpuBytes = 256L * 1024 * 1024;

    public long CpuBytes { get; } = cpuBytes > 0 ? cpuBytes : throw new ArgumentException("the CPU memory budget must be positive");
    public double CudaFreeShare { get; } = cudaFreeShare is > 0 and <= 1 ? cudaFreeShare : throw new ArgumentException("the CUDA share must be in " +
        "(0, 1]");

    public long AvailableBytes(Device device)
    {
        if (device.type != DeviceType.CUDA) return CpuBytes;
        var free = CudaRuntime.FreeBytes(device.index < 0 ? 0 : device.index)
                   ?? throw new InvalidOperationException("cannot query the CUDA runtime for free memory (libcudart not found); fix the chunk " +
                       "size instead");
        return (long)(free * CudaFreeShare);
    }
}

/// <summary>Device memory and name from the CUDA runtime (<c>cudaMemGetInfo</c>, <c>cudaGetDeviceProperties</c>), loaded only on CUDA
/// hosts.</summary>
public static class CudaRuntime
{
    private delegate int MemGetInfo(out nuint free, out nuint total);
    private delegate int SetDevice(int device);
    private delegate int GetDeviceProperties(byte[] properties, int device);

    private sealed record Functions(MemGetInfo MemGetInfo, SetDevice SetDevice, GetDeviceProperties? Properties);

    private static readonly Lazy<Functions?> Api = new(Load);

    public static long? FreeBytes(int device) => Memory(device)?.Free;

    /// <summary>Free and total bytes of the device, or null without a CUDA runtime.</summary>
    public static (long Free, long Total)? Memory(int device)
    {
        if (Api.Value is not { } api) return null;
        if (api.SetDevice(device) != 0 || api.MemGetInfo(out var free, out var total) != 0) return null;
        return ((long)free, (long)total);
    }

    /// <summary>The device's name (the first field of cudaDeviceProp in every CUDA version), or null.</summary>
    public static string? DeviceName(int device)
    {
        if (Api.Value?.Properties is not { } properties) return null;
        var buffer = new byte[16384];
        if (properties(buffer, device) != 0) return null;
        var end = Array.IndexOf(buffer, (byte)0, 0, 256);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, end < 0 ? 256 : end);
    }

    private static Functions? Load()
    {
        // libtorch_cuda has loaded its libcudart already where TorchSharp runs on CUDA; dlopen by name finds that one.
        foreach (var name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so", "libcudart.so.11.0", "cudart64_12.dll" })
        {
            if (!NativeLibrary.TryLoad(name, typeof(CudaRuntime).Assembly, null, out var handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cudaMemGetInfo", out var info) || !NativeLibrary.TryGetExport(handle, "cudaSetDevice",
                out var set)) continue;
            GetDeviceProperties? properties = null;
            if (NativeLibrary.TryGetExport(handle, "cudaGetDeviceProperties_v2", out var props) || NativeLibrary.TryGetExport(handle,
                "cudaGetDeviceProperties", out props))
                properties = Marshal.GetDelegateForFunctionPointer<GetDeviceProperties>(props);
            return new Functions(Marshal.GetDelegateForFunctionPointer<MemGetInfo>(info), Marshal.GetDelegateForFunctionPointer<SetDevice>(set),
                properties);
        }
        return null;
    }
}
