// SIGINT and SIGTERM cancel the running command's token; a command that has not returned 8 s later is ended, so
// that `cam run` stops within 10 s as a container runtime or a user expects (System.CommandLine 2.0.0 leaves it unset).
return await Cam.Cli.CamCommandLine.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration
{
    ProcessTerminationTimeout = TimeSpan.FromSeconds(8),
});
