using Cam.Specs;

namespace Cam.Engine.Layers;

/// <summary>
/// What an architecture declares about its layers that forward hooks cannot see: which outputs are token
/// sequences, which layer to explain by default, and how CAM reads its head. Architectures without declarations
/// get the defaults: every output is (N, C, h, w), the candidate-layer search picks the layer, CAM uses the first
/// linear layer.
/// </summary>
public interface ILayerDeclarations
{
    /// <summary>The layer explained when none is named; null to let the candidate-layer search decide.</summary>
    string? DefaultTargetLayer { get; }

    /// <summary>The token layout of a layer whose output is a token sequence; null for (N, C, h, w) outputs.</summary>
    TokenLayout? TokensOf(string layer);

    /// <summary>How CAM reads the head; null for the default (the first linear layer, as torchcam).</summary>
    CamHead? CamHead { get; }
}
