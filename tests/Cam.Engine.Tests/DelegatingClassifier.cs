using Cam.Engine.Precision;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>A classifier that hands every call to another; tests override the one behaviour they change.</summary>
internal class DelegatingClassifier(IClassifier inner) : IClassifier
{
    public string Name => inner.Name;
    public Device Device => inner.Device;
    public IReadOnlyList<string> LayerNames => inner.LayerNames;
    public ForwardPrecision Precision => inner.Precision;
    public IClassifier AtPrecision(ForwardPrecision precision) => inner.AtPrecision(precision);
    public virtual Tensor Logits(Tensor input) => inner.Logits(input);
    public virtual ForwardPass Forward(Tensor input, IReadOnlyList<string> layers) => inner.Forward(input, layers);
    public virtual ForwardPass ForwardWithGraph(Tensor input, IReadOnlyList<string> layers) => inner.ForwardWithGraph(input, layers);
    public string LocateCandidateLayer(long[] sampleShape) => inner.LocateCandidateLayer(sampleShape);
    public (string Name, Tensor Weight) LinearWeights(string? name) => inner.LinearWeights(name);
    public long ActivationBytesPerSample(long[] sampleShape) => inner.ActivationBytesPerSample(sampleShape);
    public void Dispose() { }
}
