using Cam.Contracts;
using Cam.Specs;

namespace Cam.Scheduler.Validation;

/// <summary>
/// Bounds on what a job may ask for, so that no accepted job runs for days or cannot run at all: every refusal
/// names its field. The model package is inspected too, as the class policy is checked against its class count.
/// </summary>
public sealed class JobSpecValidator(ModelPackageInspector packages)
{
    public const int MaxMethods = 8;
    public const int MaxLayers = 8;
    public const int MaxSamples = 256;

    public void Validate(JobSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Dataset)) throw new JobValidationException("dataset", "a dataset is required");
        if (string.IsNullOrWhiteSpace(spec.Model)) throw new JobValidationException("model", "a model package is required");
        // Explicit JSON nulls get past the defaults of the record.
        if (spec.Methods is null) throw new JobValidationException("methods", "a list of methods is required");
        if (spec.Layers is null) throw new JobValidationException("layers", "must be a list (empty for the package's defaults)");
        if (spec.Classes is null) throw new JobValidationException("classes", "top:k, label, or class indices are required");
        ValidateMethods(spec.Methods);
        if (spec.Layers.Count > MaxLayers) throw new JobValidationException("layers", $"at most {MaxLayers} layers, not {spec.Layers.Count}");
        if (spec.Layers.Any(string.IsNullOrWhiteSpace)) throw new JobValidationException("layers", "a layer name is empty");
        if (spec.ShardSize is < 1 or > 10_000) throw new JobValidationException("shardSize", "must be between 1 and 10000");
        if (spec.MetricSteps is < 1 or > Contracts.MetricSteps.Max) throw new JobValidationException("metricSteps",
            $"must be between 1 and {Contracts.MetricSteps.Max}");
        var policy = ParseClasses(spec.Classes);
        var package = packages.Inspect(spec.Model);
        ValidateClasses(policy, package.NumClasses, spec.Model);
    }

    private static void ValidateMethods(IReadOnlyList<MethodSpec> methods)
    {
        if (methods.Count == 0) throw new JobValidationException("methods", "at least one method is needed");
        if (methods.Count > MaxMethods) throw new JobValidationException("methods", $"at most {MaxMethods} methods, not {methods.Count}");
        for (var i = 0; i < methods.Count; i++)
        {
            var m = methods[i] ?? throw new JobValidationException($"methods[{i}]", "a method is required");
            if (!MethodNames.IsKnown(m.Name)) throw new JobValidationException("methods",
                $"unknown method '{m.Name}' (known: {string.Join(", ", MethodNames.All)})");
            if (m.Convention is not null && !MethodNames.Conventions.Contains(m.Convention))
                throw new JobValidationException($"methods[{i}].convention",
                    $"unknown convention '{m.Convention}' (known: {string.Join(", ", MethodNames.Conventions)})");
            if (m.Target is not null && !MethodNames.Targets.Contains(m.Target))
                throw new JobValidationException($"methods[{i}].target",
                    $"unknown target '{m.Target}' (known: {string.Join(", ", MethodNames.Targets)})");
            if (m.Target is not null && m.Target != "logit" && !MethodNames.TakesTarget(m.Name))
                throw new JobValidationException($"methods[{i}].target", $"'{m.Name}' differentiates no class score the target could choose");
            if (m.EigenSmooth && !MethodNames.OffersEigenSmooth(m.Name))
                throw new JobValidationException($"methods[{i}].eigenSmooth",
                    $"'{m.Name}' has no eigen smoothing (its map is not a weighting of the activations)");
            if (m.NumSamples is < 1 or > MaxSamples) throw new JobValidationException($"methods[{i}].numSamples",
                $"must be between 1 and {MaxSamples}, not {m.NumSamples}");
            if (m.Std is { } std && (!float.IsFinite(std) || std <= 0)) throw new JobValidationException($"methods[{i}].std",
                $"must be a finite number above 0, not {std}");
        }
        // Results are keyed by method name: a second entry of the same name would be computed and then dropped.
        if (methods.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new JobValidationException("methods", $"'{twice.Key}' is listed more than once");
    }

    private static ClassPolicy ParseClasses(string classes)
    {
        try
        {
            return ClassPolicy.Parse(classes);
        }
        catch (FormatException e)
        {
            throw new JobValidationException("classes", e.Message);
        }
    }

    private static void ValidateClasses(ClassPolicy policy, int numClasses, string model)
    {
        if (policy.Kind == ClassPolicyKind.TopK && policy.K > numClasses)
            throw new JobValidationException("classes", $"top:{policy.K} asks for more classes than model '{model}' has ({numClasses})");
        if (policy.Kind != ClassPolicyKind.Explicit) return;
        var classes = policy.Explicit ?? [];
        if (classes.FirstOrDefault(c => c >= numClasses, -1) is var bad and >= 0)
            throw new JobValidationException("classes",
                $"class index {bad} is out of range for model '{model}' ({numClasses} classes: 0 to {numClasses - 1})");
        if (classes.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new JobValidationException("classes", $"class index {twice.Key} is listed more than once");
    }
}
