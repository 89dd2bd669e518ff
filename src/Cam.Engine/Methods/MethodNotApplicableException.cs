namespace Cam.Engine.Methods;

/// <summary>A method that cannot explain this model at all (CAM on a head that reads a class token), said before any forward.</summary>
public sealed class MethodNotApplicableException(string message) : ArgumentException(message);
