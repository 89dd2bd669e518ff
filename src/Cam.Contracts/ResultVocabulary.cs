namespace Cam.Contracts;

/// <summary>The name under which a method's fused map (several target layers combined) is stored, beside each layer's.</summary>
public static class LayerNames
{
    public const string Fused = "fused";
}

/// <summary>The faithfulness metrics' deletion and insertion curves: steps by default and at most.</summary>
public static class MetricSteps
{
    public const int Default = 16;
    public const int Max = 256;
}
