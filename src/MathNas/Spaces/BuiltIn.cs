namespace MathNas.Spaces;

/// <summary>Registers the built-in spaces. Each built-in space adds one line here.</summary>
internal static class BuiltIn
{
    public static void RegisterAll()
    {
        // Built-in spaces register here, one line each.
        SpaceRegistry.Register(NasBench201.NasBench201Space.SpaceName, "NAS-Bench-201 cell space: 6 edges x 5 ops, 15,625 networks (CIFAR-10 macro network)", () => NasBench201.NasBench201Space.Instance);
        MobileNetV3.MobileNetV3Spaces.Register();
    }
}
