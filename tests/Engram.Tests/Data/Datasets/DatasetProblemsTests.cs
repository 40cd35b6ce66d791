using Engram.Data.Datasets;

namespace Engram.Tests.Data.Datasets;

public sealed class DatasetProblemsTests
{
    [Fact]
    public void Should_say_every_problem_once_grouped_by_kind_in_a_fixed_order()
    {
        // Given problems of four kinds, met in no particular order
        DatasetProblem[] problems =
        [
            new(DatasetProblemKind.UnmatchedCaptionRow, "row 3 'cat.jpeg'"),
            new(DatasetProblemKind.Undecodable, "a.jpg", "not a readable JPEG file"),
            new(DatasetProblemKind.NoSound, "x.png"),
            new(DatasetProblemKind.Undecodable, "b.png", "the image data is short"),
            new(DatasetProblemKind.UnmatchedCaptionRow, "row 9 'dog.png'"),
            new(DatasetProblemKind.Undecodable, "sub/c.gif", "truncated"),
        ];

        // When
        string summary = DatasetProblems.Summary(problems);

        // Then one sentence, a group per kind, each naming its files with what was wrong
        Assert.Equal(
            "3 files could not be decoded, so their items were left out: a.jpg (not a readable JPEG file), b.png (the image data is short), sub/c.gif (truncated); " +
            "1 item has no sound, so the audio slot is left out: x.png; " +
            "2 captions.csv rows match no file: row 3 'cat.jpeg', row 9 'dog.png'.",
            summary);
        Assert.Equal(3, problems.Count(p => p.LeavesItemOut));
    }

    [Fact]
    public void Should_name_the_first_few_and_count_the_rest()
    {
        DatasetProblem[] problems = [.. Enumerable.Range(0, 11).Select(i => new DatasetProblem(DatasetProblemKind.NoCaption, $"img{i:D2}.png"))];
        Assert.Equal(
            "11 items have no caption (no captions.csv row, no .txt beside them, no title in the file), so they were left out: " +
            "img00.png, img01.png, img02.png, img03.png, img04.png, img05.png, img06.png, img07.png and 3 more.",
            DatasetProblems.Summary(problems));
        Assert.Equal("", DatasetProblems.Summary([]));
        Assert.Empty(DatasetProblems.Lines([]));
    }
}
