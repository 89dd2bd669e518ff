using Cam.Cli.Commands;

namespace Cam.Cli;

/// <summary>The <c>cam</c> command and its subcommands, one file each under Commands/.</summary>
public static class CamCommandLine
{
    public static RootCommand Build() => new("cam: class activation maps for whole datasets")
    {
        RunCommand.Create(),
        PlanCommand.Create(),
        ExplainCommand.Create(),
        BenchCommand.Create(),
        BenchPipelineCommand.Create(),
        BenchInputsCommand.Create(),
        ParityCommand.Create(),
        TorchInfoCommand.Create(),
        DemoDataCommand.Create(),
        TrainDemoCommand.Create(),
        EvaluateCommand.Create(),
        ReportCommand.Create(),
        DiffCommand.Create(),
        ExportCommand.Create(),
        DeleteCommand.Create(),
        ClusterCommands.Submit(),
        ClusterCommands.Status(),
        ClusterCommands.Cancel(),
    };
}
