using Engram.Data.Images;

namespace Engram.Data.Datasets;

/// <summary>
/// Fashion-MNIST as items: 28×28 grey images, the class as label and caption. Reads Debian's full set
/// when installed, else the subset shipped in data/fashion-mnist.
/// </summary>
public static class FashionMnistDataset
{
    /// <summary>The ten class names, by label.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the first <paramref name="maxItems"/> items of the train or test split.</summary>
    public static IDataset Load(bool train = true, int maxItems = int.MaxValue)
    {
        string prefix = train ? "train" : "t10k";
        (string? images, string source) = Locate($"{prefix}-images-idx3-ubyte.gz");
        (string? labels, _) = Locate($"{prefix}-labels-idx1-ubyte.gz");
        if (images is null || labels is null)
        {
            throw new FileNotFoundException(
                "Fashion-MNIST was not found: install Debian's dataset-fashion-mnist, or run from the repository so that data/fashion-mnist is found.");
        }

        IdxData pixels = IdxFile.Read(images, maxItems, scale: 1.0 / 255);
        IdxData classes = IdxFile.Read(labels, maxItems);
        if (classes.Count != pixels.Count)
        {
            throw new DataFormatException(labels, null, $"holds {classes.Count} labels for the {pixels.Count} images of {images}.");
        }

        int height = pixels.ItemShape[0], width = pixels.ItemShape[1];
        var items = new DatasetItem[pixels.Count];
        for (int i = 0; i < items.Length; i++)
        {
            int index = i;
            int label = (int)classes.Items[i, 0];
            if ((uint)label >= (uint)ClassNames.Count)
            {
                throw new DataFormatException(labels, null, $"label {i} is {label}; Fashion-MNIST labels are 0–9.");
            }

            items[i] = new DatasetItem(
                $"{prefix}-{i:D5}",
                () => new Image(width, height, PixelLayout.Grey, pixels.Items.Row(index).ToArray()),
                [ClassNames[label]],
                label: label,
                labelName: ClassNames[label]);
        }

        return new ListDataset("fashion-mnist", source, images, items);
    }

    /// <summary>Where a file of the set is: Debian's folder first, then the shipped subset.</summary>
    public static (string? Path, string Source) Locate(string file)
    {
        string debian = System.IO.Path.Combine(FashionMnist.DebianDirectory, file);
        if (File.Exists(debian))
        {
            return (debian, "Debian dataset-fashion-mnist");
        }

        string? shipped = FashionMnist.ShippedDirectory();
        string? path = shipped is null ? null : System.IO.Path.Combine(shipped, file);
        return (path is not null && File.Exists(path) ? path : null, "shipped subset");
    }
}
