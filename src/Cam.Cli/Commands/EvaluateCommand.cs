using Cam.Engine.Evaluation;

namespace Cam.Cli.Commands;

/// <summary><c>cam evaluate</c>: accuracy and, where boxes exist, the pointing game per method.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Required = true, Description = "labelled image folder or manifest" };
        var model = new Option<string>("--model") { Required = true, Description = "model package folder" };
        var methods = MethodArguments.Methods();
        var json = JsonArguments.Print("the accuracy and the pointing game per method");
        var threads = new Option<int?>("--threads");
        var command = new Command("evaluate", "accuracy of a model on labelled data and, with boxes, the pointing game per method") { dataset,
            model, methods, json, threads };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var names = parse.GetValue(methods)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var report = await ModelEvaluator.EvaluateAsync(parse.GetValue(dataset)!, parse.GetValue(model)!, names, ct: ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, JsonSerializerOptions.Web));
                return 0;
            }
            Console.WriteLine($"items {report.Items} (unreadable {report.Unreadable}), labelled {report.Labelled}, accuracy " +
                $"{(report.Accuracy is { } a ? a.ToString("P1") : "n/a")}");
            foreach (var (method, loc) in report.Methods)
                Console.WriteLine($"{method}: pointing game {(loc.PointingGame is { } p ? p.ToString("P1") : "n/a")}, energy in box " +
                    $"{(loc.EnergyInBox is { } e ? e.ToString("P1") : "n/a")} over {loc.ItemsWithBoxes} items with boxes");
            return 0;
        }));
        return command;
    }
}
