"""The GLSL programs of the pipeline, by name: what ``ShaderCache.warm_up()`` prepares.

All of them draw without vertex attributes (corners from ``gl_VertexID``), so a program
loaded from a binary needs no attribute introspection. Textures are sRGB
(``GL_SRGB8_ALPHA8``): sampling returns linear light, filtering happens in linear light, and
the fragment shaders encode their output to sRGB themselves, so they draw correctly into any
8-bit framebuffer (a Qt widget's is not an sRGB one).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgramSource:
    vertex_shader: str
    fragment_shader: str


_SRGB = """
vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}
"""

#: draws one tile of an image: a quad over the tile's rectangle (in stored image pixels),
#: placed by one matrix that carries the EXIF orientation, the zoom, the pan and the viewport
IMAGE = ProgramSource(
    vertex_shader="""
#version 330
uniform vec4 u_rect;      // the tile in stored image pixels: x, y, width, height
uniform mat3 u_to_clip;   // stored image pixels -> clip space
out vec2 v_uv;            // texture coordinates inside the tile (0..1, row 0 on top)
void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);  // a triangle strip of 4
    vec3 clip = u_to_clip * vec3(u_rect.xy + corner * u_rect.zw, 1.0);
    gl_Position = vec4(clip.xy, 0.0, 1.0);
    v_uv = corner;
}
""",
    fragment_shader="""
#version 330
uniform sampler2D u_image;          // sRGB texture with mipmaps
uniform float u_texels_per_pixel;   // level-0 texels under one output pixel (1 / zoom)
uniform float u_max_level;          // the last mip level
uniform int u_lanczos;              // 1: Lanczos-2 when minifying; 0: trilinear
uniform vec3 u_checker_light;       // checkerboard under transparency (linear light)
uniform vec3 u_checker_dark;
uniform float u_checker_size;       // in output pixels
in vec2 v_uv;
out vec4 f_color;
const float PI = 3.14159265358979;
"""
    + _SRGB
    + """
float lanczos2(float x) {
    x = abs(x);
    if (x >= 2.0) return 0.0;
    if (x < 1e-5) return 1.0;
    float px = PI * x;
    return 2.0 * sin(px) * sin(px * 0.5) / (px * px);
}

// Lanczos-2 on the finest mip level that has at most 2 texels per output pixel: sharp like
// a Lanczos resize of the full image, at most 8 x 8 taps.
vec4 minify(vec2 uv) {
    float level = min(floor(log2(u_texels_per_pixel)), u_max_level);
    vec2 size = vec2(textureSize(u_image, int(level)));
    float r = clamp(u_texels_per_pixel / exp2(level), 1.0, 2.0);
    vec2 centre = uv * size - 0.5;
    int taps = 2 * int(ceil(2.0 * r));
    vec2 first = floor(centre) - float(taps / 2 - 1);
    vec4 sum = vec4(0.0);
    float total = 0.0;
    for (int j = 0; j < taps; ++j) {
        float wy = lanczos2((first.y + float(j) - centre.y) / r);
        for (int i = 0; i < taps; ++i) {
            float w = wy * lanczos2((first.x + float(i) - centre.x) / r);
            vec2 texel = first + vec2(i, j);
            sum += w * textureLod(u_image, (texel + 0.5) / size, level);
            total += w;
        }
    }
    return sum / total;
}

void main() {
    vec4 c = (u_lanczos == 1 && u_texels_per_pixel > 1.0) ? minify(v_uv) : texture(u_image, v_uv);
    vec2 cell = floor(gl_FragCoord.xy / u_checker_size);
    vec3 under = mod(cell.x + cell.y, 2.0) < 1.0 ? u_checker_light : u_checker_dark;
    f_color = vec4(linear_to_srgb(mix(under, c.rgb, clamp(c.a, 0.0, 1.0))), 1.0);
}
""",
)

#: one band of a mip level from the level above (bound as the texture's base level): a 2 x 2
#: box filter in linear light, as glGenerateMipmap does, but drawn a band at a time
MIP_LEVEL = ProgramSource(
    vertex_shader="""
#version 330
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);  // one triangle over the viewport
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
""",
    fragment_shader="""
#version 330
uniform sampler2D u_source;
out vec4 f_color;
"""
    + _SRGB
    + """
void main() {
    ivec2 last = textureSize(u_source, 0) - 1;
    ivec2 p = ivec2(gl_FragCoord.xy) * 2;
    ivec2 q = min(p + 1, last);
    vec4 mean = 0.25 * (texelFetch(u_source, p, 0) + texelFetch(u_source, ivec2(q.x, p.y), 0)
                        + texelFetch(u_source, ivec2(p.x, q.y), 0) + texelFetch(u_source, q, 0));
    f_color = vec4(linear_to_srgb(mean.rgb), mean.a);  // the target is sRGB, written as is
}
""",
)

#: every program the pipeline uses, by name
PIPELINE_PROGRAMS: dict[str, ProgramSource] = {"image": IMAGE, "mip_level": MIP_LEVEL}
