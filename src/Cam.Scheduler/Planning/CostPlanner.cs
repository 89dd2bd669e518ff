using Cam.Contracts;

namespace Cam.Scheduler.Planning;

/// <summary>
/// Forwards per item, per method, as the engine spends them (one explained forward per method, then):
/// CAM nothing more; Score-CAM one masked forward per channel of every target layer, except that the masks of
/// channels constant on the image (all zero) share one forward, so the channels counted are those active on the
/// probe's sample images; IS-CAM that × its samples; SS-CAM every channel × its samples (noise makes every mask its
/// own); the gradient methods one backward per class; Smooth Grad-CAM++ a forward and a backward per class for each
/// noisy sample; Ablation-CAM one forward per channel of every target layer (of what follows the layer only, of the
/// whole model through a TorchScript package's forwardWith method, or none at all where the probe found a pooled
/// linear head after it: its samples are then 0); FullGrad one backward per class (as the gradient methods, with the
/// input's gradient); LeGrad a forward of its own (attention formed) and a backward per class for every target layer
/// (each block's own score); Eigen-CAM, KPCA-CAM, FEM and Random-CAM nothing more; aug-smooth all of that × 6 (its six
/// augmented passes); metrics 1 + 2·(steps + 1) per map (K classes × the layers, plus the fused map with several layers).
/// </summary>
public static class CostPlanner
{
    /// <summary>The passes of aug-smooth: horizontal flip × brightness 0.9, 1, 1.1.</summary>
    public const int AugmentedPasses = 6;

    public static CostPlan Plan(long items, IReadOnlyList<MethodSpec> methods, ModelProbed probe, int classesPerItem, bool metrics,
        int metricSteps, int workers)
    {
        var channels = probe.Layers.Sum(l => l.Channels);
        // Score-CAM and IS-CAM forward the masks of constant channels (all zero) once; SS-CAM's noise makes every mask its own.
        var activeChannels = probe.Layers.Sum(l => (long)Math.Round(l.ActiveShare * l.Channels));
        var layers = probe.Layers.Count;
        var maps = (long)classesPerItem * (layers + (layers > 1 ? 1 : 0));
        var costs = methods.Select(m =>
        {
            var samples = probe.Methods.FirstOrDefault(v => v.Method == m.Name)?.Samples ?? 1;
            var explain = (m.AugSmooth ? AugmentedPasses : 1) * (1 + m.Name switch
            {
                MethodNames.Cam => 0,
                MethodNames.ScoreCam => activeChannels,
                MethodNames.IntegratedScoreCam => samples * activeChannels,
                MethodNames.SmoothScoreCam => samples * channels,
                MethodNames.SmoothGradCamPlusPlus => samples * (1L + classesPerItem),
                MethodNames.AblationCam => samples * channels,
                MethodNames.LeGrad => 1 + (long)classesPerItem * layers,
                _ when MethodNames.Gradient.Contains(m.Name) => classesPerItem,
                _ => 0,
            });
            return new MethodCost(m.Name, explain, metrics ? maps * (1 + 2L * (metricSteps + 1)) : 0);
        }).ToList();
        var perItem = costs.Sum(c => c.Forwards);
        var forwards = perItem * items;
        double? rate = probe.ForwardsPerSecond > 0 ? probe.ForwardsPerSecond : null;
        double? deviceSeconds = rate is { } r ? forwards / r : null;
        workers = Math.Max(1, workers);
        return new CostPlan(true, items, costs, probe.Layers, classesPerItem, perItem, forwards, rate, rate is null ? null : probe.Device,
            deviceSeconds / 3600, workers, deviceSeconds / workers);
    }

    /// <summary>Classes explained per item under a class policy.</summary>
    public static int ClassesPerItem(ClassPolicy policy) => policy.Kind switch
    {
        ClassPolicyKind.TopK => policy.K,
        ClassPolicyKind.Label => 1,
        _ => policy.Explicit?.Count ?? 1,
    };
}
