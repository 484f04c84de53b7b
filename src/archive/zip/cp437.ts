// Names without the UTF-8 flag are CP437 by the spec (APPNOTE appendix D), which is
// also how Python's zipfile decodes them; decoding as UTF-8 would make `par diff`
// disagree with Python about what an old archive contains.
const HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Buffer): string {
  let ascii = true;
  for (const b of bytes) if (b >= 0x80) { ascii = false; break; }
  if (ascii) return bytes.toString('latin1');
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : HIGH[b - 0x80];
  return s;
}
