// whatsapp-web.js pulls puppeteer; its browser download cannot work offline. We run Debian's chromium instead.
module.exports = { skipDownload: true };
