System.Console.WriteLine("cam");
