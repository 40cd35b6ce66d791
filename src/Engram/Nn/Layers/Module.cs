using System.Diagnostics.CodeAnalysis;

namespace Engram.Nn.Layers;

/// <summary>
/// A layer or model: named parameters and named child modules, so that every parameter has a
/// PyTorch-style dotted name ("encoder.0.weight") in <see cref="StateDict"/> and in weight files.
/// </summary>
public abstract class Module
{
    private readonly List<(string Name, Variable<float> Parameter)> _parameters = [];
    private readonly List<(string Name, Module Child)> _children = [];

    /// <summary>Runs the module on a batch.</summary>
    public abstract Variable<float> Forward(Variable<float> x);

    /// <summary>Every parameter with its dotted name, in registration order.</summary>
    public IEnumerable<(string Name, Variable<float> Parameter)> NamedParameters()
    {
        foreach (var (name, parameter) in _parameters)
        {
            yield return (name, parameter);
        }

        foreach (var (childName, child) in _children)
        {
            foreach (var (name, parameter) in child.NamedParameters())
            {
                yield return ($"{childName}.{name}", parameter);
            }
        }
    }

    /// <summary>Every parameter, in registration order.</summary>
    public IReadOnlyList<Variable<float>> Parameters() => NamedParameters().Select(p => p.Parameter).ToList();

    /// <summary>The number of trainable values.</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Parameter.Value.Length);

    /// <summary>The parameters' values by dotted name (the arrays themselves, not copies).</summary>
    public IReadOnlyDictionary<string, NdArray<float>> StateDict() =>
        NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value, StringComparer.Ordinal);

    /// <summary>
    /// Copies values into the parameters. Every parameter must be present with its exact shape and
    /// nothing else may be: the error names the tensor and both shapes, and nothing is changed
    /// unless everything matches.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, NdArray<float>> state, string source = "the state dict")
    {
        ArgumentNullException.ThrowIfNull(state);
        var problems = new List<string>();
        var expected = NamedParameters().ToList();
        foreach (var (name, parameter) in expected)
        {
            if (!state.TryGetValue(name, out NdArray<float>? value))
            {
                problems.Add($"tensor '{name}' is missing (expected shape {Shapes.Format(parameter.Value.Shape)})");
            }
            else if (!Shapes.Equal(value.Shape, parameter.Value.Shape))
            {
                problems.Add($"tensor '{name}' has shape {Shapes.Format(value.Shape)} but the model expects {Shapes.Format(parameter.Value.Shape)}");
            }
        }

        var known = expected.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(state.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal)
            .Select(k => $"tensor '{k}' is not a parameter of {GetType().Name}"));
        if (problems.Count > 0)
        {
            throw new InvalidDataException(
                $"{source} does not fit {GetType().Name}: {string.Join("; ", problems.Take(8))}{(problems.Count > 8 ? $"; and {problems.Count - 8} more" : string.Empty)}.");
        }

        foreach (var (name, parameter) in expected)
        {
            state[name].Span.CopyTo(parameter.Value.Span);
        }
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in NamedParameters())
        {
            parameter.ZeroGrad();
        }
    }

    /// <summary>Registers a trainable parameter under <paramref name="name"/>.</summary>
    protected Variable<float> AddParameter(string name, NdArray<float> value)
    {
        CheckName(name);
        var parameter = new Variable<float>(value, requiresGrad: true);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a child module under <paramref name="name"/>.</summary>
    [return: NotNullIfNotNull(nameof(module))]
    protected TModule AddModule<TModule>(string name, TModule module)
        where TModule : Module
    {
        CheckName(name);
        _children.Add((name, module ?? throw new ArgumentNullException(nameof(module))));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid parameter or module name (non-empty, no dots).", nameof(name));
        }

        if (_parameters.Any(p => p.Name == name) || _children.Any(c => c.Name == name))
        {
            throw new ArgumentException($"'{name}' is registered twice in {GetType().Name}.", nameof(name));
        }
    }
}
