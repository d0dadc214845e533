import { describe, expect, it } from 'vitest';
import {
  compileValueTemplate,
  type ValueTemplate,
} from '../../../../../drivers/mqtt/families/shared/ha-template.ts';

function render(source: string, payload: string): unknown {
  const template = compileValueTemplate(source);
  if (typeof template === 'string') throw new Error(template);
  return (template as ValueTemplate).render(payload, () => JSON.parse(payload));
}

describe('Home Assistant value templates', () => {
  it('supports value, value_json paths and float/int/round filters', () => {
    expect(render('{{ value }}', '21.5')).toBe('21.5');
    expect(render('{{value | float}}', '21.5')).toBe(21.5);
    expect(render('{{ value_json.a.b }}', '{"a":{"b":7}}')).toBe(7);
    expect(render("{{ value_json['a b'] }}", '{"a b":8}')).toBe(8);
    expect(render('{{ value_json["x"][1] }}', '{"x":[1,2]}')).toBe(2);
    expect(render('{{ value_json.t | round(1) }}', '{"t":23.25}')).toBe(23.3);
    expect(render('{{ value_json.t | round }}', '{"t":-2.5}')).toBe(-3); // Jinja rounds half away from zero
    expect(render('{{ value_json.t | int }}', '{"t":"9.9"}')).toBe(9);
    expect(render('{{ value_json.t | float(-1) }}', '{"t":"n/a"}')).toBe(-1);
    expect(render('{{ value_json.missing }}', '{"t":1}')).toBeUndefined();
  });

  it('refuses everything else', () => {
    for (const source of [
      'value_json.a',
      '{{ value_json.a + 1 }}',
      '{{ value_json.a | upper }}',
      '{{ now() }}',
      '{{ a }}{{ b }}',
    ]) {
      expect(typeof compileValueTemplate(source)).toBe('string');
    }
  });
});
