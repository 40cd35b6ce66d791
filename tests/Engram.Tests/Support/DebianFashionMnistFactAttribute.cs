using Engram.Data;

namespace Engram.Tests.Support;

/// <summary>
/// A fact that needs Debian's <c>dataset-fashion-mnist</c>: skipped with a reason when it is not
/// installed, except under <c>ENGRAM_REQUIRE_ALL=1</c>, where it runs and fails.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DebianFashionMnistFactAttribute : FactAttribute
{
    public const string Missing = "Debian's dataset-fashion-mnist is not installed: " + FashionMnist.DebianDirectory + " has no train-images-idx3-ubyte.gz";

    public DebianFashionMnistFactAttribute()
    {
        Skip = RequiredDependency.SkipReason(File.Exists(TrainImages), Missing);
    }

    public static string TrainImages => Path.Combine(FashionMnist.DebianDirectory, "train-images-idx3-ubyte.gz");
}
