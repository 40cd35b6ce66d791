using Engram.Data;
using Engram.Data.Datasets;
using Engram.Evaluation.Experiments;

namespace Engram.Tests.Evaluation;

public sealed class ParaphraseExperimentTests
{
    [Fact]
    public void The_ngram_encoder_finds_an_emoji_from_its_other_short_names_and_only_from_those()
    {
        // Given the shipped emoji subset: names stored, other short names as cues
        IDataset emoji = EmojiDataset.LoadFrom(ShippedData.Find("emoji")!, "shipped");
        string ngram = Path.Combine(ShippedData.Find("models")!, "emoji-text.safetensors");
        int expectedCues = emoji.Sum(e => e.Captions.Skip(1).Count(c => c != e.Caption));

        // When the in-project n-gram encoder, trained on those names, is scored
        ParaphraseResult result = ParaphraseExperiment.Run(emoji, [ngram]).Results.Single();

        // Then every other wording is a cue, and nearly all find their emoji (0.9653 on the full 1,911)
        Assert.Equal(("ngram", emoji.Count(e => e.Caption is not null), expectedCues), (result.Kind, result.Stored, result.Cues));
        Assert.InRange(result.Accuracy, 0.9, 1.0);

        // And a set without other wordings is refused, saying why
        IDataset single = new ListDataset("one", "test", "", [new DatasetItem("x", () => throw new InvalidOperationException(), ["only name"])]);
        Assert.Contains("second caption", Assert.Throws<ArgumentException>(() => ParaphraseExperiment.Run(single, [ngram])).Message, StringComparison.Ordinal);
    }
}
