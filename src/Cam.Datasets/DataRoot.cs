namespace Cam.Datasets;

/// <summary>The folder every dataset path must resolve under (<c>CAM_DATA_ROOT</c>); a refused path is an error of that item alone.</summary>
public sealed class DataRoot(string root) : ConfinedRoot(root, "data root");
