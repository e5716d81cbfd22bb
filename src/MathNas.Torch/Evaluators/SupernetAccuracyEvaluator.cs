using MathNas.Estimation;
using MathNas.Spaces;
using MathNas.Tables;
using MathNas.Torch.Data;
using MathNas.Torch.Nn;
using MathNas.Torch.Training;

namespace MathNas.Torch.Evaluators;

/// <summary>
/// A sub-network's top-1 accuracy (%) with the supernet's shared weights on a held-out split (images the supernet was
/// not trained on), after recalibrating batch norm for that sub-network on training images.
/// </summary>
public sealed class SupernetAccuracyEvaluator : IEvaluator
{
    public SupernetAccuracyEvaluator(SuperNetwork supernet, ImageSet recalibration, ImageSet heldOut, int recalibrationImages = 1000, int seed = 1)
    {
        if (supernet.Fixed is not null) throw new MathNasException("the accuracy evaluator needs a supernet, not a stand-alone network");
        Supernet = supernet; Recalibration = recalibration; HeldOut = heldOut; RecalibrationImages = recalibrationImages; Seed = seed;
    }

    public SuperNetwork Supernet { get; }
    public ImageSet Recalibration { get; }
    public ImageSet HeldOut { get; }
    public int RecalibrationImages { get; }
    public int Seed { get; }
    public string Name => "supernet-accuracy";
    public IReadOnlyDictionary<string, string> Metrics => new Dictionary<string, string> { [MetricNames.Accuracy] = "%" };

    public IReadOnlyDictionary<string, double> Evaluate(Architecture architecture)
    {
        Supernet.Space.Validate(architecture);
        lock (Supernet)
        {
            var acc = SupernetTrainer.SharedAccuracy(Supernet, architecture, Recalibration, HeldOut, RecalibrationImages, Seed);
            return new Dictionary<string, double> { [MetricNames.Accuracy] = acc };
        }
    }
}
