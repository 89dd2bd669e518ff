using System.CommandLine;
using Cam.Cli.Commands;

var root = new RootCommand("cam: class activation maps for whole datasets")
{
    ExplainCommand.Create(),
    BenchCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
