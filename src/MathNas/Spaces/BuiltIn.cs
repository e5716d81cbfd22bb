using MathNas.Spaces.SuperTransformer;
using MathNas.Spaces.SuperViT;

namespace MathNas.Spaces;

/// <summary>Registers the built-in spaces. Each built-in space adds one line here.</summary>
internal static class BuiltIn
{
    public static void RegisterAll()
    {
        // Built-in spaces register here, one line each.
        SpaceRegistry.Register(NasBench201.NasBench201Space.SpaceName, "NAS-Bench-201 cell space: 6 edges x 5 ops, 15,625 networks (CIFAR-10 macro network)", () => NasBench201.NasBench201Space.Instance);
        MobileNetV3.MobileNetV3Spaces.Register();
        SpaceRegistry.Register(SuperVitSpace.SpaceName, "SuperViT / NASViT at 224x224: 9 nodes (2, 8, 36, 24, 24, 63, 24, 12, 2 blocks), FLOPs = MACs", () => SuperVitSpace.Create());
        foreach (var r in SuperVitSupernet.Resolutions.Where(r => r != SuperVitSpace.DefaultResolution))
            SpaceRegistry.Register($"{SuperVitSpace.SpaceName}-{r}", $"SuperViT / NASViT at {r}x{r} (same nodes and blocks; FLOPs at this resolution)", () => SuperVitSpace.Create(r));
        SpaceRegistry.Register(SuperTransformerSpace.SpaceName, "SuperTransformer / HAT WMT'14 En-De: 6 encoder + 1-6 decoder layers, depth by consistency constraints", SuperTransformerSpace.Create);
    }
}
