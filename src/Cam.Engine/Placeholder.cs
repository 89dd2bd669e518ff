namespace Cam.Engine; public static class Placeholder { }
