import { h } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The server's QR code, drawn with DOM calls rather than parsed as markup:
 * the page's Trusted Types policy lets no string become markup, and nothing
 * of the answer but the view box and the path data (numbers and letters,
 * checked) is used.
 *
 * @example
 * container.append(qrImage(enrolment.qrSvg, 'QR code for your authenticator app'));
 */
export function qrImage(svgText: string, label: string): Element {
  const viewBox = /viewBox="([\d .]+)"/.exec(svgText)?.[1];
  const paths = [...svgText.matchAll(/<path[^>]*\sd="([MmHhVvZz\d ,.-]+)"/g)].map((match) => match[1] as string);
  if (viewBox === undefined || paths.length === 0)
    return h('p', {}, 'The QR code could not be shown; type the key instead.');
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', viewBox);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const [, , width = '0', height = '0'] = viewBox.split(' ');
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', width);
  background.setAttribute('height', height);
  background.setAttribute('fill', 'white');
  svg.append(background);
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    path.setAttribute('fill', 'black');
    svg.append(path);
  }
  return svg;
}
