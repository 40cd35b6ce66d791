using Engram.Cli;

return EngramApp.Run(args, Console.Out, Console.Error);
