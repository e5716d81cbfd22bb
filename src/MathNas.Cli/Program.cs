return MathNas.Cli.CliApp.Run(args);
