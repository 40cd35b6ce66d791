// System.Numerics.Tensors has a Tensor type of its own; inside Engram "Tensor" means ours.
global using Tensor = Engram.Tensors.Tensor;
