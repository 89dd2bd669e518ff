return await Cam.Cli.CamCommandLine.Build().Parse(args).InvokeAsync();
