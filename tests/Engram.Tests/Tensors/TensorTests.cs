namespace Engram.Tests.Tensors;

public sealed class TensorTests
{
    [Fact]
    public void Should_share_storage_between_a_row_view_and_its_source()
    {
        var t = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), 4, 3);
        Tensor view = t.Rows(1, 2);
        Assert.Equal([3f, 4f, 5f, 6f, 7f, 8f], view.Span.ToArray());
        view[1, 2] = -1f;
        Assert.Equal(-1f, t[2, 2]);
        Assert.Equal([6f, 7f, -1f], t.Row(2).ToArray());
    }

    [Fact]
    public void Should_reshape_without_copying()
    {
        var t = new Tensor(2, 6);
        Tensor r = t.Reshape(3, 4);
        r[2, 3] = 5f;
        Assert.Equal(5f, t[1, 5]);
        Assert.Equal(4, r.RowLength);
    }

    [Fact]
    public void Should_copy_on_clone()
    {
        var t = new Tensor(2, 2);
        Tensor c = t.Clone();
        c[0, 0] = 1f;
        Assert.Equal(0f, t[0, 0]);
    }

    [Fact]
    public void Should_state_the_shapes_when_they_do_not_fit()
    {
        Assert.Contains("Shape [2, 3] holds 6 elements but the array has 5", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3)).Message, StringComparison.Ordinal);
        Assert.Contains("Cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)", Assert.Throws<ArgumentException>(() => new Tensor(2, 3).Reshape(4, 2)).Message, StringComparison.Ordinal);
        Assert.Contains("Rows [1, 4) fall outside a tensor of 3 rows", Assert.Throws<ArgumentOutOfRangeException>(() => new Tensor(3, 2).Rows(1, 3)).Message, StringComparison.Ordinal);
        Assert.Contains("negative dimension", Assert.Throws<ArgumentException>(() => new Tensor(2, -1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tensor(2, 2)[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Tensor(2, 2).Row(-1));
    }
}
