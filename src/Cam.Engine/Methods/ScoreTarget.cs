namespace Cam.Engine.Methods;

/// <summary>
/// What a gradient method differentiates for class c of logits y: <see cref="Logit"/> y_c (the default),
/// <see cref="Softmax"/> softmax(y)_c (pytorch-grad-cam's ClassifierOutputSoftmaxTarget) or <see cref="Rest"/>
/// y_c − CE(y, c) = y_c + log softmax(y)_c (its ClassifierOutputReST, which ShapleyCAM's authors use).
/// </summary>
public enum ScoreTarget
{
    Logit,
    Softmax,
    Rest,
}

public static class ScoreTargets
{
    /// <summary>The names, as the CLI's <c>--target</c> and a job spec's <c>target</c> take them.</summary>
    public static readonly IReadOnlyList<string> Names = ["logit", "softmax", "rest"];

    public static ScoreTarget Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "logit" => ScoreTarget.Logit,
        "softmax" => ScoreTarget.Softmax,
        "rest" => ScoreTarget.Rest,
        _ => throw new ArgumentException($"unknown target '{text}' (logit, softmax or rest)"),
    };

    public static string Name(this ScoreTarget target) => Names[(int)target];

    /// <summary>The score of each image for its class in <paramref name="classColumn"/> (N, 1): (N, 1).</summary>
    public static Tensor Score(this ScoreTarget target, Tensor logits, Tensor classColumn) => target switch
    {
        ScoreTarget.Logit => logits.gather(1, classColumn),
        ScoreTarget.Softmax => torch.softmax(logits, 1).gather(1, classColumn),
        ScoreTarget.Rest => logits.gather(1, classColumn) + nn.functional.log_softmax(logits, 1).gather(1, classColumn),
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };
}
