using Cam.Engine.Parity;
using Cam.Engine.Precision;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam parity</c>: runs every case of the reference fixtures (each folder's index*.json) on a device and precision and
/// says, per case, how far the logits and maps are from the reference. Exit code 0 only when every case passes.
/// </summary>
internal static class ParityCommand
{
    public static Command Create()
    {
        var fixtures = new Option<string[]>("--fixtures")
        {
            Description = "fixture folder with index.json or index-gradient.json; repeat for several", Required = true
        };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:n]", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype")
        {
            Description = "precision of the masked forwards and the gradient methods' forward and backward: float32, bfloat16 or float16",
            DefaultValueFactory = _ => "float32"
        };
        var channelsLast = new Option<bool>("--channels-last") { Description = "reduced-precision forwards in the channels-last memory layout" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp" };
        var only = new Option<string[]>("--case") { Description = "run only this case; repeat for several" };
        var json = JsonArguments.Print("every case, as one object,");

        var command = new Command("parity", "check the engine against the reference fixtures on a device and precision")
        {
            fixtures, device, dtype, channelsLast, threads, only, json,
        };
        command.SetAction(parse => CommandErrors.Run(() =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var precision = ForwardPrecision.Parse(parse.GetValue(dtype), parse.GetValue(channelsLast));
            var cases = Select(ParityCase.Load(parse.GetValue(fixtures)!), parse.GetValue(only) ?? []);
            var runner = new ParityRunner(TorchSetup.ParseDevice(parse.GetValue(device)!), precision);
            var results = new List<ParityCaseResult>();
            foreach (var parityCase in cases)
            {
                var result = runner.Run(parityCase);
                results.Add(result);
                if (!parse.GetValue(json)) Console.WriteLine(Line(result));
            }
            var passed = results.Count(r => r.Passed);
            if (parse.GetValue(json)) Console.WriteLine(Report(runner, results).ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            else Console.WriteLine($"parity on {runner.Device} ({precision.Name}{(precision.ChannelsLast ? ", channels-last" : "")}): {passed} " +
                $"passed, {results.Count - passed} failed");
            return passed == results.Count && results.Count > 0 ? 0 : CommandErrors.Failure;
        }));
        return command;
    }

    private static IReadOnlyList<ParityCase> Select(IReadOnlyList<ParityCase> cases, string[] names)
    {
        if (names.Length == 0) return cases;
        var unknown = names.Where(n => cases.All(c => c.Name != n)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"no case named {string.Join(", ", unknown)} in the fixtures");
        return cases.Where(c => names.Contains(c.Name)).ToList();
    }

    private static string Line(ParityCaseResult r)
    {
        var errors = string.Join(" ", r.Comparisons.Where(c => c.Problem is null).Select(c => $"{c.Name} {c.Error:E1}/{c.Tolerance:E0}"));
        return $"{(r.Passed ? "PASS" : "FAIL")} {r.Case.Name} ({r.Method ?? "locate"}) {errors}{(r.Passed ? "" : " — " + r.Reason)}";
    }

    private static JsonObject Report(ParityRunner runner, IReadOnlyList<ParityCaseResult> results)
    {
        var cases = new JsonArray();
        foreach (var r in results)
        {
            var comparisons = new JsonObject();
            foreach (var c in r.Comparisons)
            {
                comparisons[c.Name] = new JsonObject
                {
                    ["kind"] = c.IsRelative ? "relative" : "absolute",
                    ["max_abs_diff"] = Number(c.MaxAbsDifference),
                    ["error"] = Number(c.Error),
                    ["tolerance"] = c.Tolerance,
                    ["passed"] = c.Passed,
                    ["problem"] = c.Problem,
                };
            }
            cases.Add(new JsonObject
            {
                ["case"] = r.Case.Name,
                ["index"] = Path.Combine(Path.GetFileName(r.Case.Directory), Path.GetFileName(r.Case.IndexFile)),
                ["method"] = r.Method ?? (r.Case.IsLocate ? "locate" : null),
                ["passed"] = r.Passed,
                ["reason"] = r.Reason,
                ["seconds"] = Math.Round(r.Seconds, 3),
                ["comparisons"] = comparisons,
            });
        }
        var tf32 = runner.Tf32;
        return new JsonObject
        {
            ["device"] = runner.Device.ToString(),
            ["dtype"] = runner.Precision.Name,
            ["channels_last"] = runner.Precision.ChannelsLast,
            ["tf32"] = tf32 is { } t ? new JsonObject { ["matmul"] = t.Matmul, ["cudnn"] = t.Cudnn } : null,
            ["tolerances"] = new JsonObject
            {
                ["normalized_absolute"] = runner.Tolerances.NormalizedAbsolute,
                ["raw_relative"] = runner.Tolerances.RawRelative,
                ["logits_relative"] = runner.Tolerances.LogitsRelative,
            },
            ["passed"] = results.Count(r => r.Passed),
            ["failed"] = results.Count(r => !r.Passed),
            ["ok"] = results.Count > 0 && results.All(r => r.Passed),
            ["cases"] = cases,
        };
    }

    /// <summary>JSON has no NaN: a difference that could not be computed is null.</summary>
    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
