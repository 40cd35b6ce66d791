namespace Engram.Nn.Optimizers;

/// <summary>The learning rate as a function of the step (0-based).</summary>
public abstract record LearningRateSchedule
{
    /// <summary>The rate for step <paramref name="step"/>.</summary>
    public abstract double Rate(long step);

    /// <summary>The same rate every step.</summary>
    public static LearningRateSchedule Constant(double rate) => new ConstantSchedule(rate);

    /// <summary>Linear warm-up from 0 over <paramref name="warmupSteps"/>, then cosine decay to <paramref name="finalRate"/> at <paramref name="totalSteps"/>.</summary>
    public static LearningRateSchedule WarmupCosine(double peakRate, long warmupSteps, long totalSteps, double finalRate = 0) =>
        new WarmupCosineSchedule(peakRate, warmupSteps, totalSteps, finalRate);

    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> steps.</summary>
    public static LearningRateSchedule StepDecay(double rate, long stepSize, double gamma) => new StepDecaySchedule(rate, stepSize, gamma);

    private sealed record ConstantSchedule(double Value) : LearningRateSchedule
    {
        public override double Rate(long step) => Value;
    }

    private sealed record WarmupCosineSchedule(double Peak, long Warmup, long Total, double Final) : LearningRateSchedule
    {
        public override double Rate(long step)
        {
            if (step < Warmup)
            {
                return Peak * (step + 1) / Warmup;
            }

            double progress = Total <= Warmup ? 1 : Math.Clamp((double)(step - Warmup) / (Total - Warmup), 0, 1);
            return Final + (0.5 * (Peak - Final) * (1 + Math.Cos(Math.PI * progress)));
        }
    }

    private sealed record StepDecaySchedule(double Value, long Size, double Gamma) : LearningRateSchedule
    {
        public override double Rate(long step) => Value * Math.Pow(Gamma, step / Math.Max(1, Size));
    }
}
