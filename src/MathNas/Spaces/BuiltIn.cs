namespace MathNas.Spaces;

/// <summary>Registers the built-in spaces. Each built-in space adds one line here.</summary>
internal static class BuiltIn
{
    public static void RegisterAll()
    {
        // Built-in spaces register here, e.g.:
        // SpaceRegistry.Register("nasbench201", "...", () => NasBench201.Space);
        MobileNetV3.MobileNetV3Spaces.Register();
    }
}
