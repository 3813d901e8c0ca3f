/** Entry point of the `sportello` command line; commands are registered in ./program.ts. */
console.log("sportello: CLI under construction");
