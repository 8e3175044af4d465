using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Every benchmark runs as a ShortRun (3 warm-up and 3 measured iterations), in process: enough to compare the
// engine's hot paths between changes in a minute or two, not a precise measurement. Arguments go to
// BenchmarkDotNet, e.g. --filter '*TagFilter*'. Reports land next to the binary, in BenchmarkDotNet.Artifacts.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun"))
    .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
