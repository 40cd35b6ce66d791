namespace Engram.Tests.Data.Cues;

/// <summary>Images and checks shared by the cue tests.</summary>
internal static class CueAssert
{
    /// <summary>A height×width×channels image with every sample in [0.1, 1], so that a hidden 0 is never an original value.</summary>
    public static float[] Image(int seed, int height, int width, int channels)
    {
        var random = new Random(seed);
        var image = new float[height * width * channels];
        for (int i = 0; i < image.Length; i++)
        {
            image[i] = 0.1f + (0.9f * (float)random.NextDouble());
        }

        return image;
    }

    /// <summary>
    /// An occlusion cue is consistent: the mask is 0/1, all channels of a pixel agree, hidden samples are 0 and
    /// observed samples are the image's. Returns the number of hidden pixels.
    /// </summary>
    public static int Consistent(Engram.Data.Cues.Cue cue, float[] image, int channels)
    {
        Assert.Equal(image.Length, cue.Content.Length);
        Assert.Equal(image.Length, cue.Mask.Length);
        int hidden = 0;
        for (int p = 0; p < image.Length / channels; p++)
        {
            float m = cue.Mask[p * channels];
            Assert.True(m is 0f or 1f, $"mask value {m} at pixel {p}");
            hidden += m == 0f ? 1 : 0;
            for (int c = 0; c < channels; c++)
            {
                int i = (p * channels) + c;
                Assert.Equal(m, cue.Mask[i]);
                Assert.Equal(m == 0f ? 0f : image[i], cue.Content[i]);
            }
        }

        return hidden;
    }
}
