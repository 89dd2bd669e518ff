namespace Cam.Specs;

/// <summary>A model package that does not fit: its manifest (read anywhere) or its model (loaded by the engine).</summary>
public sealed class ModelPackageException(string message) : Exception(message);
