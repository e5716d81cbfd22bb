using BenchmarkDotNet.Running;

// BenchmarkDotNet entry point: `dotnet run -c Release --project bench/MathNas.Bench -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
