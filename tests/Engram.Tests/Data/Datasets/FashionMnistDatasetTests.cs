using Engram.Data;
using Engram.Data.Datasets;
using Engram.Data.Images;
using Engram.Tests.Support;

namespace Engram.Tests.Data.Datasets;

public sealed class FashionMnistDatasetTests
{
    [Fact]
    public void Should_give_items_with_ids_labels_captions_and_28_by_28_grey_images()
    {
        // When
        IDataset data = FashionMnistDataset.Load(train: true, maxItems: 12);

        // Then (the first training item of Fashion-MNIST is an ankle boot)
        Assert.Equal("fashion-mnist", data.Name);
        Assert.Equal(12, data.Count);
        DatasetItem first = data[0];
        Assert.Equal("train-00000", first.Id);
        Assert.Equal(9, first.Label);
        Assert.Equal("Ankle boot", first.LabelName);
        Assert.Equal(["Ankle boot"], first.Captions);
        Assert.Equal((28, 28, PixelLayout.Grey), (first.Image.Width, first.Image.Height, first.Image.Layout));
        Assert.InRange(first.Image.Pixels.Max(), 0.9f, 1f);
        Assert.False(first.HasAudio);
    }
}
