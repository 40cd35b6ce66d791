using System.Numerics;
using System.Numerics.Tensors;

namespace Engram.Nn;

/// <summary>
/// A node of the autograd graph: a value, and once <see cref="Backward()"/> has run, the gradient of
/// the result with respect to it. Leaves are parameters (<see cref="RequiresGrad"/>) or constants.
/// An operation records how to send gradients to its inputs only when some input requires a
/// gradient and gradients are enabled (<see cref="GradMode"/>); otherwise nothing is recorded and
/// inference keeps no graph alive.
/// </summary>
public sealed class Variable<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Variable<T>[]? _inputs;
    private readonly Action<NdArray<T>>? _backward;
    private bool _gradOwned;

    /// <summary>A leaf: a constant, or a parameter when <paramref name="requiresGrad"/> is true.</summary>
    public Variable(NdArray<T> value, bool requiresGrad = false)
    {
        Value = value ?? throw new ArgumentNullException(nameof(value));
        RequiresGrad = requiresGrad;
    }

    private Variable(NdArray<T> value, Variable<T>[] inputs, Action<NdArray<T>> backward)
    {
        Value = value;
        RequiresGrad = true;
        _inputs = inputs;
        _backward = backward;
    }

    /// <summary>The value.</summary>
    public NdArray<T> Value { get; }

    /// <summary>The accumulated gradient, or null before a backward pass reaches this node.</summary>
    public NdArray<T>? Grad { get; private set; }

    /// <summary>Whether gradients flow to (or through) this node.</summary>
    public bool RequiresGrad { get; }

    /// <summary>True for nodes made by an operation that recorded its backward step.</summary>
    public bool IsRecorded => _backward is not null;

    /// <summary>The shape of the value.</summary>
    public ReadOnlySpan<int> Shape => Value.Shape;

    /// <summary>The value's elements.</summary>
    public Span<T> Data => Value.Span;

    /// <summary>Forgets the gradient (optimizers call this between steps).</summary>
    public void ZeroGrad()
    {
        Grad = null;
        _gradOwned = false;
    }

    /// <summary>Back-propagates from a one-element result (a loss), seeding its gradient with 1.</summary>
    public void Backward()
    {
        if (Value.Length != 1)
        {
            throw new InvalidOperationException(
                $"Backward() needs a one-element result (a loss); this one is {Shapes.Format(Value.Shape)}. Pass a seed gradient instead.");
        }

        Backward(NdArray<T>.Full(T.One, Value.ShapeArray));
    }

    /// <summary>Back-propagates with the given gradient of some scalar with respect to this node.</summary>
    public void Backward(NdArray<T> seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (!Shapes.Equal(seed.Shape, Value.Shape))
        {
            throw new ArgumentException(
                $"The seed gradient's shape {Shapes.Format(seed.Shape)} differs from the value's {Shapes.Format(Value.Shape)}.", nameof(seed));
        }

        if (!RequiresGrad)
        {
            throw new InvalidOperationException(
                "Nothing to back-propagate: no input of this result requires a gradient (or it was computed under GradMode.NoGrad).");
        }

        List<Variable<T>> order = TopologicalOrder();
        Accumulate(seed);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            Variable<T> node = order[i];
            if (node.Grad is { } grad)
            {
                node._backward!(grad);

                // Intermediate gradients are not kept: only leaves hold theirs after the pass.
                node.Grad = null;
                node._gradOwned = false;
            }
        }
    }

    /// <summary>Recorded nodes reachable from this one, inputs before the nodes that use them.</summary>
    private List<Variable<T>> TopologicalOrder()
    {
        var order = new List<Variable<T>>();
        var visited = new HashSet<Variable<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Variable<T> Node, int Next)>();
        if (_backward is not null)
        {
            stack.Push((this, 0));
            visited.Add(this);
        }

        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next < node._inputs!.Length)
            {
                stack.Push((node, next + 1));
                Variable<T> input = node._inputs[next];
                if (input._backward is not null && visited.Add(input))
                {
                    stack.Push((input, 0));
                }
            }
            else
            {
                order.Add(node);
            }
        }

        return order;
    }

    /// <summary>Adds <paramref name="gradient"/> (not modified, possibly shared) into <see cref="Grad"/>.</summary>
    internal void Accumulate(NdArray<T> gradient)
    {
        if (!RequiresGrad)
        {
            return;
        }

        if (Grad is null)
        {
            Grad = gradient;
            _gradOwned = false;
        }
        else if (_gradOwned)
        {
            TensorPrimitives.Add<T>(Grad.Span, gradient.Span, Grad.Span);
        }
        else
        {
            var sum = new NdArray<T>(Grad.ShapeArray);
            TensorPrimitives.Add<T>(Grad.Span, gradient.Span, sum.Span);
            Grad = sum;
            _gradOwned = true;
        }
    }

    /// <summary>
    /// The result of an operation: recorded with its backward step when an input needs a gradient
    /// and gradients are on, else a plain constant.
    /// </summary>
    internal static Variable<T> Record(NdArray<T> value, Variable<T>[] inputs, Action<NdArray<T>> backward)
    {
        if (GradMode.IsEnabled)
        {
            foreach (Variable<T> input in inputs)
            {
                if (input.RequiresGrad)
                {
                    return new Variable<T>(value, inputs, backward);
                }
            }
        }

        return new Variable<T>(value);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Variable{Shapes.Format(Value.Shape)}{(RequiresGrad ? " (grad)" : string.Empty)}";
}

/// <summary>
/// Whether operations record the graph. <c>using (GradMode.NoGrad()) { … }</c> runs inference with
/// no graph, as PyTorch's <c>torch.no_grad()</c>. The setting is per thread.
/// </summary>
public static class GradMode
{
    [ThreadStatic]
    private static int t_disabledDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope on this thread.</summary>
    public static bool IsEnabled => t_disabledDepth == 0;

    /// <summary>Turns recording off until the returned scope is disposed.</summary>
    public static IDisposable NoGrad()
    {
        t_disabledDepth++;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                t_disabledDepth--;
            }
        }
    }
}
