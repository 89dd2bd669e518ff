namespace Cam.Engine.Precision;

/// <summary>
/// Casting for reduced-precision forwards. TorchSharp 0.107 has no autocast and its <c>contiguous()</c> takes no memory
/// format, so weights and inputs are cast explicitly, and a channels-last layout is made by permuting, copying and
/// permuting back (the strides of NHWC with the NCHW shape).
/// </summary>
public static class PrecisionCast
{
    /// <summary>An input batch as the model takes it: its dtype, and channels-last when asked for.</summary>
    public static Tensor Input(Tensor input, ForwardPrecision precision)
    {
        var cast = input.dtype == precision.DType ? input : input.to(precision.DType);
        return precision.ChannelsLast && cast.ndim == 4 ? ChannelsLast(cast) : cast;
    }

    /// <summary>
    /// An activation or gradient of a forward at any precision as the maps are weighted: float32 in the standard
    /// (row-major) layout. Aliases a float32 tensor that has that layout already; otherwise a new tensor.
    /// </summary>
    public static Tensor Float32(Tensor t)
    {
        var cast = t.dtype == ScalarType.Float32 ? t : t.to(ScalarType.Float32);
        return cast.is_contiguous() ? cast.alias() : cast.contiguous();
    }

    /// <summary><see cref="Float32"/>, always a new tensor (for one whose source is about to be disposed or reused).</summary>
    public static Tensor Float32Copy(Tensor t)
    {
        var copy = t.to(ScalarType.Float32, copy: true);
        return copy.is_contiguous() ? copy : copy.contiguous();
    }

    public static Tensor ChannelsLast(Tensor t) => t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    /// <summary>Casts a module's parameters and buffers in place; with channels-last, its 2-D convolutions' weights too.</summary>
    public static void Module(nn.Module module, ForwardPrecision precision)
    {
        using var _ = no_grad();
        module.to(precision.DType);
        if (precision.ChannelsLast)
        {
            foreach (var (_, child) in module.named_modules())
                if (child is Conv2d conv && conv.weight.ndim == 4)
                    conv.weight = new Parameter(ChannelsLast(conv.weight.detach()), requires_grad: false);
        }
        foreach (var parameter in module.parameters()) parameter.requires_grad_(false);
    }

    public static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        ScalarType.Float64 => 8,
        _ => 4,
    };
}
