// snappyjs ships no type declarations; compression-codecs.ts describes the two functions it uses.
declare module 'snappyjs';
