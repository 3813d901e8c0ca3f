/** `npm start`: runs the bot. */
console.log("sportello: starting (under construction)");
