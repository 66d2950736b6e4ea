import { describe, expect, it } from 'vitest';
import { printableCell, renderTable } from './render-table.js';

describe('renderTable', () => {
  it('lays columns out by their widest cell', () => {
    expect(
      renderTable(
        ['USERNAME', 'ROLE'],
        [
          ['alice', 'admin'],
          ['bob', 'user'],
        ],
      ),
    ).toBe('USERNAME  ROLE\nalice     admin\nbob       user\n');
    expect(renderTable(['A'], [], '(no records)')).toBe('(no records)\n');
  });

  it('prints what a client sent as text: no escape sequence, no line break, no reordering reaches the terminal', () => {
    const sent = [
      'Mozilla\u001b[2J\u001b[31mroot logged in\u001b[0m', // clears the screen, recolours
      'device\u001b]0;new window title\u0007', // retitles the window
      'line one\r\nforged line two', // a forged table row
      'invoice\u202egpj.exe', // shows as "invoiceexe.jpg"
      'a\u2066b\u2069c\u200fd\u061ce',
      'c1 \u009b31m and DEL \u007f',
    ];
    const text = renderTable(
      ['DEVICE', 'NOTE'],
      sent.map((cell) => [cell, 'x']),
    );
    const acting = [...text].filter((char) => {
      const code = char.codePointAt(0) as number;
      return (
        (code < 0x20 && code !== 0x0a) ||
        (code >= 0x7f && code <= 0x9f) ||
        [0x061c, 0x200e, 0x200f].includes(code) ||
        (code >= 0x202a && code <= 0x202e) ||
        (code >= 0x2066 && code <= 0x2069)
      );
    });
    expect(acting).toEqual([]);
    // One line per row: the header and six rows.
    expect(text.split('\n')).toHaveLength(8);
    expect(text).toContain('Mozilla\\u001b[2J\\u001b[31mroot logged in\\u001b[0m');
    expect(text).toContain('invoice\\u202egpj.exe');
    expect(text).toContain('line one\\u000d\\u000aforged line two');
  });

  it('leaves ordinary text, other scripts and emoji as they are', () => {
    for (const cell of ['alice@example.com', 'Zoë Åström', 'مرحبا', '東京', 'ok 👍', 'tab-free text']) {
      expect(printableCell(cell)).toBe(cell);
    }
  });
});
