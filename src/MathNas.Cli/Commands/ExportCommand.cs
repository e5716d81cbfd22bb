using System.CommandLine;
using MathNas.Tables;
using MathNas.Torch;
using MathNas.Torch.Data;
using MathNas.Torch.Nn;
using MathNas.Torch.Pipeline;
using MathNas.Torch.Training;
using Spectre.Console;

namespace MathNas.Cli.Commands;

/// <summary>`mathnas export`: a network's config and its own weights, cut out of a trained supernet.</summary>
internal sealed class ExportCommand : ICliCommand
{
    public Command Build(CliEnv env)
    {
        var space = CliEnv.SpaceOption();
        var supernet = new Option<string>("--supernet") { Description = "trained supernet folder (e.g. out/pipeline/nb201-mini/supernet)", Required = true };
        var arch = new Option<string>("--arch", "-a") { Description = "the network: a code (e.g. 3,3,1,0,2,4) or the space's notation", Required = true };
        var outDir = new Option<string>("--out", "-o") { Description = "folder to write network.json and weights.bin to", Required = true };
        var tables = CliEnv.TablesOption(required: false);
        tables.Description = "block tables: their predictions are saved with the network (shown by 'mathnas evaluate')";
        var recal = new Option<int>("--recal") { Description = "training images for batch-norm recalibration", DefaultValueFactory = _ => 500 };
        var heldOut = new Option<int?>("--held-out") { Description = "held-out images the supernet was trained without (default: as recorded with the supernet)" };
        var data = new Option<string?>("--data") { Description = "Fashion-MNIST folder (default: the Debian package's)" };
        var json = CliEnv.JsonOption();
        var cmd = new Command("export", "write a network's config and its weights taken from a trained supernet (TorchSharp)") { space, supernet, arch, outDir, tables, recal, heldOut, data, json };
        env.SetAction(cmd, p =>
        {
            var sp = CliEnv.ResolveSpace(p.GetValue(space)!) as TorchSearchSpace
                ?? throw new MathNasException($"space '{p.GetValue(space)}' has no TorchSharp networks: use nb201-mini or ofa-mini");
            var a = sp.ParseArchitecture(p.GetValue(arch)!);
            var predicted = p.GetValue(tables) is { } tf ? CliEnv.PredictFromTables(tf, sp, a) : null;
            if (p.GetValue(recal) <= 0) throw new MathNasException("--recal must be positive");
            TorchRuntime.SetThreads(1);
            using var net = sp.CreateNetwork();
            var dir = p.GetValue(supernet)!;
            var state = SupernetTrainer.Load(net, dir);
            var split = FashionMnist.Splits(FashionMnist.Locate(p.GetValue(data)), p.GetValue(heldOut) ?? state.HeldOutImages() ?? 1000, state.Seed, state.TrainImages);
            var info = ExportedNetwork.Export(net, a, split.Train, p.GetValue(recal), state.Seed, p.GetValue(outDir)!, Path.GetFullPath(dir), predicted);
            if (p.GetValue(json)) { env.WriteJson(info); return 0; }
            env.Console.WriteLine($"exported {info.Description} ({CliEnv.Num(info.Flops)} {info.FlopsUnit}, {CliEnv.Num(info.Params)}{info.ParamsUnit} params) to {p.GetValue(outDir)}");
            foreach (var (m, v) in info.Predicted) env.Console.WriteLine($"  predicted {m}: {CliEnv.Num(v)}");
            return 0;
        });
        return cmd;
    }
}
